/**
 * The message store on a relational database through JDBC. One store, three dialects: SQLite (the
 * embedded default), PostgreSQL and MariaDB/MySQL. {@link dev.agate.jdbc.AgateSchema} creates,
 * upgrades, validates, prints and rebuilds the tables.
 */
package dev.agate.jdbc;
