# Checks: get_nowait() on an empty Queue raises QueueEmpty; put_nowait() on a
# full Queue raises QueueFull; a blocked getter is woken by put_nowait();
# task_done() called too often raises ValueError.
# Spec: "Queues" -> Queue.get_nowait(), put_nowait(), task_done(); Exceptions QueueEmpty/QueueFull.
import asyncio


async def getter(q):
    print("getter waiting")
    print("getter got", await q.get())


async def main():
    q = asyncio.Queue(maxsize=1)
    try:
        q.get_nowait()
    except asyncio.QueueEmpty:
        print("get_nowait: QueueEmpty")
    q.put_nowait("x")
    try:
        q.put_nowait("y")
    except asyncio.QueueFull:
        print("put_nowait: QueueFull")
    print("full", q.full(), "got", q.get_nowait())
    t = asyncio.create_task(getter(q))
    await asyncio.sleep(0)
    q.put_nowait("z")
    print("put z")
    await t
    q.task_done()
    q.task_done()
    try:
        q.task_done()
    except ValueError:
        print("extra task_done: ValueError")


asyncio.run(main())
