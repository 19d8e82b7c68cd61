"""Legacy and native coroutines in every style of the yield table, on
genloop's own loop.  The program is _mixed_program.py; it must print the
same as mixed_styles_stock_factory.py.

Covers: every row of the yield table in genloop/tasks.py (see
_mixed_program.py) on genloop.new_event_loop().
"""
import _mixed_program

import genloop

loop = genloop.new_event_loop()
print("loop: genloop.new_event_loop()")
try:
    _mixed_program.run_all(loop)
finally:
    loop.close()
