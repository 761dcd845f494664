(_tA := np.broadcast_arrays(4, 2*y), np.stack(_tA).astype(float).reshape((2,) + _tA[0].shape))[-1]
