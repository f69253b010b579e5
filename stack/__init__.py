"""Developer tooling behind the Makefile: environments, training, process supervision, test phases."""
