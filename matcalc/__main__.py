"""``python -m matcalc``: the same as the ``matcalc`` command."""
from .cli import main

if __name__ == "__main__":
    main()
