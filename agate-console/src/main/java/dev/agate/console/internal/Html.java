package dev.agate.console.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** Escaping and the page's frame: one style sheet inline, no script, nothing fetched from elsewhere. */
final class Html {
    private static final String STYLE = """
            body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
            header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:baseline}
            header a{color:#cfd8ff;text-decoration:none}header strong{font-size:16px}
            main{padding:16px 20px;max-width:1300px}
            h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:22px 0 8px}
            table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:8px}
            th,td{border:1px solid #dde1e8;padding:5px 8px;text-align:left;vertical-align:top}
            th{background:#eef1f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
            pre{background:#fff;border:1px solid #dde1e8;padding:8px;overflow:auto;max-height:420px;white-space:pre-wrap}
            form.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;background:#fff;padding:10px;border:1px solid #dde1e8;margin-bottom:10px}
            form.filters label{display:flex;flex-direction:column;font-size:12px;color:#556}
            input,select,textarea{font:inherit;padding:3px 5px}textarea{width:100%;font-family:monospace}
            button{font:inherit;padding:4px 12px;cursor:pointer}button.danger{background:#b3261e;color:#fff;border:1px solid #8c1d17}
            .note{background:#fff7d6;border:1px solid #e6d28a;padding:8px;margin:8px 0}
            .ok{background:#e3f6e8;border:1px solid #9fd3ae;padding:8px;margin:8px 0}
            .warn{color:#b3261e;font-weight:600}.muted{color:#778}.actions{display:flex;gap:8px;margin:8px 0}
            """;

    private Html() {
    }

    static String escape(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String url(String value) {
        return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
    }

    /** {@code key=value&...} of the non-null values, encoded. */
    static String query(Map<String, String> values) {
        StringBuilder q = new StringBuilder();
        values.forEach((k, v) -> {
            if (v != null && !v.isBlank()) {
                q.append(q.length() == 0 ? "" : "&").append(url(k)).append('=').append(url(v));
            }
        });
        return q.toString();
    }

    /** A duration for people: 42 s, 7 min, 3 h 5 min, 2 d 4 h. */
    static String age(Instant since, Instant now) {
        if (since == null) {
            return "";
        }
        long s = Duration.between(since, now).getSeconds();
        String sign = s < 0 ? "in " : "";
        s = Math.abs(s);
        if (s < 120) {
            return sign + s + " s";
        }
        if (s < 7200) {
            return sign + s / 60 + " min";
        }
        if (s < 172_800) {
            return sign + s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return sign + s / 86_400 + " d " + s % 86_400 / 3600 + " h";
    }

    static String page(String base, String title, String service, boolean writable, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<link rel=\"icon\" href=\"data:,\">" // no favicon request, so no 404 in the browser's console
                + "<title>" + escape(title) + " · Agate console</title><style>" + STYLE + "</style></head><body>"
                + "<header><strong>Agate console</strong><span class=\"muted\">" + escape(service) + "</span>"
                + "<a href=\"" + base + "/\">Overview</a><a href=\"" + base + "/dead-letters\">Dead letters</a>"
                + "<a href=\"" + base + "/scheduled\">Scheduled</a><a href=\"" + base + "/audit\">Audit</a>"
                + "<span class=\"muted\">" + (writable ? "read and write" : "read only") + "</span></header>"
                + "<main>" + body + "</main></body></html>";
    }
}
