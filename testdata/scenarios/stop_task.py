# Checks: a task that calls loop.stop(), creates a task t and yields ends the
# run_forever at the end of the current iteration: t has not run yet. The next
# run_forever runs t's first step and the rest of the task, in that order.
# Spec: "Event Loop" -> loop.stop(): "Stop the event loop."; run_forever()
# "If stop() is called while run_forever() is running, the loop will run the
# current batch of callbacks and then exit."
import asyncio

loop = asyncio.new_event_loop()


async def t():
    print("t: runs")


async def task():
    print("task: calling stop")
    loop.stop()
    loop.create_task(t())
    await asyncio.sleep(0)
    print("task: after sleep(0)")
    loop.stop()


loop.create_task(task())
loop.run_forever()
print("run_forever returned 1")
loop.run_forever()
print("run_forever returned 2")
loop.close()
