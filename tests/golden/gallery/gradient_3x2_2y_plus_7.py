(_tA := np.broadcast_arrays(6*x*(2*y + 7), 6*x**2), np.stack(_tA).astype(float).reshape((2,) + _tA[0].shape))[-1]
