# Checks: (1) an exception in a call_soon callback goes to the loop exception
# handler right away and the loop keeps running; (2) a task's unretrieved
# exception is reported ("Task exception was never retrieved") only when the task
# object is destroyed - forced here with `del task; gc.collect()`.
# Spec: "Event Loop" -> Error Handling API (set_exception_handler); "Developing with asyncio" -> Detect never-retrieved exceptions.
import asyncio
import gc


def handler(loop, context):
    msg = context["message"]
    if msg.startswith("Exception in callback"):
        msg = "Exception in callback"
    print("handler:", msg, type(context["exception"]).__name__)


async def failing():
    print("task raising")
    raise ValueError("task error")


async def main():
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(handler)

    def bad_cb():
        print("callback raising")
        raise KeyError("cb error")

    loop.call_soon(bad_cb)
    loop.call_soon(print, "next callback ran")
    await asyncio.sleep(0.1)
    task = asyncio.create_task(failing())
    await asyncio.sleep(0.1)
    print("task done", task.done())
    print("before del")
    del task
    gc.collect()
    print("after gc")


asyncio.run(main())
