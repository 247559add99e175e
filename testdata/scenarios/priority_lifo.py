# Checks: PriorityQueue returns lowest entries first (heap order on tuples);
# LifoQueue returns the most recently added first; (Queue.shutdown is 3.13+, so
# not covered here).
# Spec: "Queues" -> PriorityQueue, LifoQueue.
import asyncio


async def main():
    pq = asyncio.PriorityQueue()
    for item in [(3, "c"), (1, "a"), (2, "b"), (1, "a2")]:
        await pq.put(item)
    out = []
    while not pq.empty():
        p, v = await pq.get()
        out.append(f"{p}:{v}")
    print("priority", " ".join(out))
    lq = asyncio.LifoQueue()
    for i in [1, 2, 3]:
        lq.put_nowait(i)
    print("lifo", " ".join(str(lq.get_nowait()) for _ in range(3)))


asyncio.run(main())
