import sys

from tests.soak.run import main

sys.exit(main(sys.argv[1:]))
