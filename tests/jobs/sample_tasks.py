"""A task for the tests of jobs' progress: makes a small file in steps, or refuses its input."""

from django_tasks import task

from jobs.services import JobRefused, job_running


@task()
def count_to(*, job_id: str, upto: int) -> None:
    with job_running(job_id) as run:
        if upto < 0:
            raise JobRefused("Số phải từ 0 trở lên.")
        if upto == 13:
            raise RuntimeError("unlucky")
        lines = []
        for n in range(upto):
            lines.append(str(n))
            run.progress(n + 1, upto)
        run.finish("\n".join(lines).encode(), name="dem.txt", content_type="text/plain")
