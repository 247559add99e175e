# Checks: Event.set() wakes all current waiters even if clear() is called right
# after (before they run); they observe is_set() False. wait() on a set event
# returns True immediately; later waiters after clear() block again.
# Spec: "Synchronization Primitives" -> Event (wait(), set(), clear(), is_set()).
import asyncio


async def waiter(name, ev):
    print(f"{name} waiting")
    r = await ev.wait()
    print(f"{name} woke wait returned {r} is_set {ev.is_set()}")


async def main():
    ev = asyncio.Event()
    tasks = [asyncio.create_task(waiter(n, ev)) for n in ["w1", "w2"]]
    await asyncio.sleep(0)
    ev.set()
    ev.clear()
    print("set then clear done")
    await asyncio.gather(*tasks)
    late = asyncio.create_task(waiter("late", ev))
    await asyncio.sleep(0.1)
    print("late still waiting", not late.done())
    ev.set()
    await late
    print("wait on set event:", await ev.wait())


asyncio.run(main())
