(_tA := np.broadcast_arrays(w11, w12, w21, w22), np.stack(_tA).astype(float).reshape((2, 2) + _tA[0].shape))[-1]
