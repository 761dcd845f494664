(A + A.T) @ x
