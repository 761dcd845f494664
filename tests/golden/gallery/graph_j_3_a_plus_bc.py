(_tA := np.broadcast_arrays(3, 3*c, 3*b), np.stack(_tA).astype(float).reshape((3,) + _tA[0].shape))[-1]
