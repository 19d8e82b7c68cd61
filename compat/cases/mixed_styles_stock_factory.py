"""Legacy and native coroutines in every style of the yield table, on the
stock asyncio loop with genloop's task factory.  The program is
_mixed_program.py; it must print the same as mixed_styles_genloop.py.

Covers: every row of the yield table in genloop/tasks.py (see
_mixed_program.py) on asyncio.new_event_loop() with
loop.set_task_factory(genloop.task_factory).
"""
import asyncio

import _mixed_program

import genloop

loop = asyncio.new_event_loop()
loop.set_task_factory(genloop.task_factory)
print("loop: asyncio.new_event_loop() + genloop.task_factory")
try:
    _mixed_program.run_all(loop)
finally:
    loop.close()
