import sys

from kit.localcluster.controlplane import main

sys.exit(main(sys.argv[1:]))
