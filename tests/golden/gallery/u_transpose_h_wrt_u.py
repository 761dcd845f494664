(_tA := np.broadcast_arrays(h1, h2, h3), np.stack(_tA).astype(float).reshape((1, 3) + _tA[0].shape))[-1]
