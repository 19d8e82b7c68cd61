"""A trollius-era web crawler (code that ran on Python 2 with trollius and on
Python 3 with asyncio, 2014-2016): ``yield From(x)`` for every wait,
``raise Return(v)`` for every result, ``six`` for the 2/3 differences, a
JoinableQueue-style work queue with join(), and the shared state guarded by
``with (yield From(lock))``.  The "web" is a dict; nothing touches the
network.

Covers: trollius-style, L01, L05, L06, L11, L26
"""
# expected output: by design (asyncio never accepted this dialect)
import asyncio

import six
from six.moves.urllib.parse import urljoin

from genloop import From, Return

SITE = {
    "/": ["a/", "b/"],
    "/a/": ["c", "../b/", "/"],
    "/b/": ["c", "../d"],
    "/a/c": ["../b/c"],
    "/b/c": [],
    "/d": ["/missing", "/a/"],
}


@asyncio.coroutine
def fetch(loop, url):
    yield From(asyncio.sleep(0, loop=loop))
    if url not in SITE:
        raise Return(None)
    raise Return([urljoin(url, link) for link in SITE[url]])


class Crawler(object):
    def __init__(self, loop, root, max_tasks=3):
        self.loop = loop
        self.max_tasks = max_tasks
        self.queue = asyncio.Queue(loop=loop)
        self.lock = asyncio.Lock(loop=loop)
        self.seen = set([root])
        self.done = {}
        self.queue.put_nowait(root)

    @asyncio.coroutine
    def work(self):
        while True:
            url = yield From(self.queue.get())
            try:
                links = yield From(fetch(self.loop, url))
                with (yield From(self.lock)):
                    self.done[url] = "missing" if links is None else len(links)
                    for link in links or ():
                        if link not in self.seen:
                            self.seen.add(link)
                            self.queue.put_nowait(link)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # log the failed page and go on
                self.done[url] = "failed: {!r}".format(exc)
            finally:
                self.queue.task_done()

    @asyncio.coroutine
    def crawl(self):
        workers = [asyncio.ensure_future(self.work(), loop=self.loop)
                   for _ in six.moves.range(self.max_tasks)]
        yield From(self.queue.join())
        for worker in workers:
            worker.cancel()
        yield From(asyncio.wait(workers, loop=self.loop))
        raise Return(self.done)


@asyncio.coroutine
def main(loop):
    crawler = Crawler(loop, "/")
    done = yield From(crawler.crawl())
    for url, links in sorted(six.iteritems(done)):
        six.print_("{:8} {}".format(url, links))
    six.print_("pages:", len(done), "text:", all(isinstance(u, six.text_type) for u in done))


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
