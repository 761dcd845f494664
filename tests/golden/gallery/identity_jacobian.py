(_tA := np.broadcast_arrays(1, 0, 0, 0, 1, 0, 0, 0, 1), np.stack(_tA).astype(float).reshape((3, 3) + _tA[0].shape))[-1]
