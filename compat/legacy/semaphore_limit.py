"""A downloader that never runs more than three fetches at once: a
BoundedSemaphore(loop=loop) held with ``with (yield from semaphore)``,
fetches started with ensure_future(loop=), retries on
failure, results collected with gather.

Covers: L06, L05, L01, L11, realistic: concurrency limit
"""
import asyncio

LIMIT = 3


class Downloader(object):
    def __init__(self, loop):
        self.loop = loop
        self.semaphore = asyncio.BoundedSemaphore(LIMIT, loop=loop)
        self.active = 0
        self.most_active = 0
        self.attempts = {}

    def transfer(self, url):
        """Undecorated helper: the 'network' part, len(url) % 4 iterations."""
        for _ in range(len(url) % 4):
            yield from asyncio.sleep(0, loop=self.loop)
        self.attempts[url] = self.attempts.get(url, 0) + 1
        if url.endswith("flaky") and self.attempts[url] < 2:
            raise ConnectionError(url)
        return "<{} bytes from {}>".format(len(url) * 10, url)

    @asyncio.coroutine
    def fetch(self, url):
        with (yield from self.semaphore):
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            try:
                return (yield from self.transfer(url))
            finally:
                self.active -= 1

    @asyncio.coroutine
    def fetch_with_retry(self, url, tries=3):
        for attempt in range(1, tries + 1):
            try:
                return (yield from self.fetch(url))
            except ConnectionError:
                if attempt == tries:
                    raise


@asyncio.coroutine
def main(loop):
    downloader = Downloader(loop)
    urls = ["/a", "/bb", "/ccc", "/flaky", "/dddd", "/e", "/ff", "/ggg", "/h/flaky"]
    tasks = [asyncio.ensure_future(downloader.fetch_with_retry(url), loop=loop) for url in urls]
    pages = yield from asyncio.gather(*tasks, loop=loop)
    for url, page in zip(urls, pages):
        print(url, page)
    print("at most {} at once (limit {})".format(downloader.most_active, LIMIT))
    print("retried:", sorted(url for url, n in downloader.attempts.items() if n > 1))
    print("semaphore free again:", not downloader.semaphore.locked())


loop = asyncio.get_event_loop()
loop.run_until_complete(main(loop))
loop.close()
