"""Coroutines written with tornado's habits (``gen.coroutine`` code moved
onto asyncio, 2015-2018): ``r = yield fut`` instead of ``yield from``,
``yield [a, b]`` and ``yield {k: v}`` to wait for several at once,
``yield sub()`` to call another coroutine, ``yield executor.submit(...)``,
a bare ``yield`` to give way -- in @asyncio.coroutine functions and in
undecorated generators.

Covers: tornado-style, L01, L11, L26
"""
# expected output: by design (asyncio never accepted this dialect)
import asyncio
import concurrent.futures

USERS = {1: "ann", 2: "bo", 3: "cy"}
FRIENDS = {1: [2, 3], 2: [1], 3: []}


@asyncio.coroutine
def get_user(uid):
    yield asyncio.sleep(0)
    return USERS[uid]


def get_friends(uid):
    """Undecorated, tornado style: every wait is a plain yield."""
    user = yield get_user(uid)
    names = yield [get_user(friend) for friend in FRIENDS[uid]]
    return "{}: {}".format(user, ", ".join(names) or "-")


async def native_status():
    await asyncio.sleep(0)
    return "native ok"


@asyncio.coroutine
def failing():
    yield asyncio.sleep(0)
    raise ValueError("user not found")


def shout(text):
    return text.upper()


@asyncio.coroutine
def main():
    loop = asyncio.get_event_loop()
    future = asyncio.Future()
    loop.call_later(0.01, future.set_result, "ready")
    print("yield future:", (yield future))

    print("yield list:", (yield [get_user(1), get_user(2)]))
    print("yield tuple:", (yield (get_user(3), future)))
    answers = yield {"first": get_user(1), "status": future}
    print("yield dict:", sorted(answers.items()))
    print("yield [] :", (yield []))

    for uid in sorted(FRIENDS):
        print("yield generator:", (yield get_friends(uid)))
    print("yield native coroutine:", (yield native_status()))

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        print("yield executor future:", (yield pool.submit(shout, "from a thread")))

    yield
    print("bare yield: ok")

    try:
        yield failing()
    except ValueError as exc:
        print("exception from yield sub():", exc)

    try:
        yield 42
    except RuntimeError as exc:
        print("yield 42:", str(exc).startswith("Task got bad yield"))
    return "main done"


loop = asyncio.get_event_loop()
print(loop.run_until_complete(main()))
loop.close()
