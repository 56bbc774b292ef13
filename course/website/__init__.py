"""The site: building it with either builder (`site_build`, `python -m course.website.site_build`),
its generated pages, the Labs and Coverage pages (`site_pages`), and each chapter's playground
notebook, executed with the course's kernel and rendered for its page (`playgrounds`, `kernel`).

Used by `course start`, `make site`, `make site-zensical` and the course's own tests. Imports the
engine, and the instructor's kit for the Instructors page's schedule and notes.
"""
