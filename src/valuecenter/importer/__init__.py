"""The importer: CSV, Parquet and XLSX into the database, validated, in one transaction."""
