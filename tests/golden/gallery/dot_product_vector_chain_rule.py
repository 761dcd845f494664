(_tA := np.broadcast_arrays(x1, x2, x3), np.stack(_tA).astype(float).reshape((1, 3) + _tA[0].shape))[-1]
