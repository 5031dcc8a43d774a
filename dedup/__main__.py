from dedup.cli import main

if __name__ == "__main__":  # importing this module (as a worker process may) must not run the CLI
    main()
