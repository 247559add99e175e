# Checks: Queue(maxsize=2): put() blocks while full and resumes when a consumer
# get()s; join() returns only after task_done() was called for every item.
# Spec: "Queues" -> Queue (maxsize, put(), get(), task_done(), join()).
import asyncio


async def producer(q, t0):
    loop = asyncio.get_running_loop()
    for i in range(5):
        await q.put(i)
        print(f"put {i} {loop.time() - t0:.1f} qsize {q.qsize()}")
    print("producer done")


async def consumer(q, t0):
    loop = asyncio.get_running_loop()
    while True:
        item = await q.get()
        print(f"got {item} {loop.time() - t0:.1f}")
        await asyncio.sleep(0.1)
        q.task_done()


async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    q = asyncio.Queue(maxsize=2)
    c = asyncio.create_task(consumer(q, t0))
    await producer(q, t0)
    await q.join()
    print(f"joined {loop.time() - t0:.1f} empty {q.empty()}")
    c.cancel()
    await asyncio.gather(c, return_exceptions=True)
    print("consumer cancelled", c.cancelled())


asyncio.run(main())
