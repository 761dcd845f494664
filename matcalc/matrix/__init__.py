"""Matrix calculus: declared shapes, matrix expressions, the matrix-differential method.

Data flow (the same as the scalar side): ``parse.py`` reads the input language with
``--shape`` declarations into SymPy matrix expressions (``nodes.py``, built only through the
shape-checked constructors of ``algebra.py``); ``differential.py`` takes the differential
d f rule by rule; ``readoff.py`` brings it to the form tr(G^T dX) (or J dx) and reads off the
gradient (or Jacobian); ``evaluate.py`` evaluates any of these trees on NumPy arrays or on
explicit SymPy matrices; ``printing.py`` writes them as matcalc syntax, LaTeX and NumPy;
``check.py`` verifies results at random concrete sizes.
"""
