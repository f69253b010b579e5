"""pytest puts this folder on sys.path (conftest in prepend mode), so every test folder can import
the shared test libraries kept here, such as db_testlib (throwaway SQLite and PostgreSQL databases)."""
