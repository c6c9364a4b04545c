package dev.agate.cli;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Times as a person types them on the command line: an instant ({@code 2025-06-01T10:15:00Z}, or with an
 * offset, {@code 2025-06-01T12:15:00+02:00}), or an age ({@code 30s}, {@code 15m}, {@code 2h}, {@code 3d}) that
 * counts back from now, or for a time ahead ({@code +10m}) forward.
 */
final class When {
    private static final Pattern AGE = Pattern.compile("(\\+?)(\\d{1,9})([smhd])");

    private When() {
    }

    /** A time in the past: an instant, or an age back from {@code now}. */
    static Instant past(String option, String text, Instant now) {
        Matcher age = AGE.matcher(text.strip());
        if (age.matches() && age.group(1).isEmpty()) {
            return now.minus(duration(age));
        }
        return instant(option, text, "an instant such as 2025-06-01T10:15:00Z, or an age such as 30m, 2h or 3d (that long ago)");
    }

    /** A time to run at: an instant, or {@code +DURATION} from {@code now}. */
    static Instant at(String option, String text, Instant now) {
        Matcher age = AGE.matcher(text.strip());
        if (age.matches() && !age.group(1).isEmpty()) {
            return now.plus(duration(age));
        }
        return instant(option, text, "an instant such as 2025-06-01T10:15:00Z, or +DURATION such as +10m or +2h (from now)");
    }

    private static Duration duration(Matcher age) {
        long n = Long.parseLong(age.group(2));
        return switch (age.group(3)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    private static Instant instant(String option, String text, String expected) {
        try {
            return Instant.parse(text.strip());
        } catch (DateTimeException notAnInstant) {
            try {
                return OffsetDateTime.parse(text.strip()).toInstant();
            } catch (DateTimeException e) {
                throw CommandException.usage(option + " '" + text + "' is not a time: give " + expected);
            }
        }
    }
}
