/**
 * The {@code agate} command line ({@code bin/agate}): print, apply and rebuild Agate's schema; count the
 * envelopes a store holds and hand them all back to any node; list, show, replay and purge dead letters.
 * {@link dev.agate.cli.AgateCli} is the entry point; everything else is package-private. See docs/cli.md.
 */
package dev.agate.cli;
