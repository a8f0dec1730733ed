"""Database access: tables, the engine and the one module for dialect differences."""
