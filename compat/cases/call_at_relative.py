"""call_at() takes an absolute loop.time() value; a timer due later than
the loop runs never fires (asyncio docs, Python 3.4: "Delayed calls" and
"Example: Display the current date with call_later()").

Covers: call_at(loop.time() + delay, ...); call_soon() callbacks run before
any timer; a stop scheduled with call_soon() ends run_forever() at once,
leaving the distant timer pending (never run).
"""
import genloop

ran = []


def callback(what):
    ran.append(what)
    print("ran:", what)


loop = genloop.new_event_loop()
loop.call_soon(callback, "soon")
when = loop.time() + 10
loop.call_at(when, callback, "later")
loop.call_soon(loop.stop)
loop.run_forever()
print("callbacks that ran:", ran)
print("'later' still due in the future:", loop.time() < when)
loop.close()
