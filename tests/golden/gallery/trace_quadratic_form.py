(A + A.T) @ X
