"""Callbacks scheduled with call_later() run in timer order, not in the
order they were scheduled (asyncio docs, Python 3.4: "Delayed calls").

Covers: call_later(delay, callback, *args); the timer heap orders by due
time; a timer due at the same time as another runs after it (call order);
loop.stop() from a timer ends run_forever().
"""
import genloop


def callback(n):
    print("callback", n)


loop = genloop.new_event_loop()
loop.call_later(0.3, callback, 1)
loop.call_later(0.2, callback, 2)
loop.call_later(0.1, callback, 3)
# Scheduled after callback 1 with the same delay: due no earlier, runs after it.
loop.call_later(0.3, loop.stop)
loop.run_forever()
print("stopped")
loop.close()
