#!/usr/bin/python3
"""Patroni with a 10 s DNS cache instead of its built-in 600 s.

Patroni's etcd module routes every HTTP connection it makes (to etcd and to the other member's
REST API) through a resolver that keeps an answer for 600 s. A Swarm task that restarts (a
killed container, a node back from a power cut) comes back with a new address, and for ten
minutes the other member keeps calling the old one: switchovers are refused ("no good
candidates") and etcd calls time out. Ten seconds follows such moves.
"""

import sys

import patroni.dcs.etcd

patroni.dcs.etcd.DnsCachingResolver.__init__.__defaults__ = (10.0, 5.0)

# As PID 1, Patroni starts itself again through multiprocessing, which imports this file anew:
# only the first import may call main().
if __name__ == "__main__":
    from patroni.__main__ import main

    sys.exit(main())
