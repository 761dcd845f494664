(_tA := np.broadcast_arrays(np.heaviside(x1, 0), 0, 0, 0, np.heaviside(x2, 0), 0, 0, 0, np.heaviside(x3, 0)), np.stack(_tA).astype(float).reshape((3, 3) + _tA[0].shape))[-1]
