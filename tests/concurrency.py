"""Requests at the same instant, for the tests of limits and locks."""

import threading

from django.db import connections


def at_once(calls) -> tuple[list[int], list[BaseException]]:
    """Run each call at the same instant: their status codes and any error."""
    barrier = threading.Barrier(len(calls))
    answers: list[int] = []
    errors: list[BaseException] = []

    def run(call) -> None:
        try:
            barrier.wait()
            answers.append(call().status_code)
        except BaseException as error:  # collected and reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, errors
