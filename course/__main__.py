from course.entry import main

main()
