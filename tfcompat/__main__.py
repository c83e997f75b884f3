import sys

from tfcompat.cli import main

sys.exit(main())
