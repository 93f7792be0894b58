//! Official names of common CWE weaknesses (the CWE Top 25 and the ones web
//! frameworks and libraries report most), so pages and CSAF documents can
//! name a weakness without a network lookup.

/// `(number, name)`, sorted by number for binary search.
pub const CWE_NAMES: &[(u32, &str)] = &[
    (20, "Improper Input Validation"),
    (
        22,
        "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    ),
    (
        77,
        "Improper Neutralization of Special Elements used in a Command ('Command Injection')",
    ),
    (
        78,
        "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')",
    ),
    (
        79,
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')",
    ),
    (
        89,
        "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')",
    ),
    (
        94,
        "Improper Control of Generation of Code ('Code Injection')",
    ),
    (
        113,
        "Improper Neutralization of CRLF Sequences in HTTP Headers ('HTTP Request/Response Splitting')",
    ),
    (117, "Improper Output Neutralization for Logs"),
    (
        119,
        "Improper Restriction of Operations within the Bounds of a Memory Buffer",
    ),
    (
        120,
        "Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')",
    ),
    (125, "Out-of-bounds Read"),
    (178, "Improper Handling of Case Sensitivity"),
    (190, "Integer Overflow or Wraparound"),
    (
        200,
        "Exposure of Sensitive Information to an Unauthorized Actor",
    ),
    (203, "Observable Discrepancy"),
    (208, "Observable Timing Discrepancy"),
    (269, "Improper Privilege Management"),
    (276, "Incorrect Default Permissions"),
    (287, "Improper Authentication"),
    (306, "Missing Authentication for Critical Function"),
    (327, "Use of a Broken or Risky Cryptographic Algorithm"),
    (345, "Insufficient Verification of Data Authenticity"),
    (
        349,
        "Acceptance of Extraneous Untrusted Data With Trusted Data",
    ),
    (352, "Cross-Site Request Forgery (CSRF)"),
    (
        362,
        "Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')",
    ),
    (384, "Session Fixation"),
    (400, "Uncontrolled Resource Consumption"),
    (407, "Inefficient Algorithmic Complexity"),
    (416, "Use After Free"),
    (434, "Unrestricted Upload of File with Dangerous Type"),
    (476, "NULL Pointer Dereference"),
    (502, "Deserialization of Untrusted Data"),
    (522, "Insufficiently Protected Credentials"),
    (601, "URL Redirection to Untrusted Site ('Open Redirect')"),
    (611, "Improper Restriction of XML External Entity Reference"),
    (639, "Authorization Bypass Through User-Controlled Key"),
    (
        640,
        "Weak Password Recovery Mechanism for Forgotten Password",
    ),
    (674, "Uncontrolled Recursion"),
    (732, "Incorrect Permission Assignment for Critical Resource"),
    (770, "Allocation of Resources Without Limits or Throttling"),
    (787, "Out-of-bounds Write"),
    (798, "Use of Hard-coded Credentials"),
    (862, "Missing Authorization"),
    (863, "Incorrect Authorization"),
    (918, "Server-Side Request Forgery (SSRF)"),
    (1021, "Improper Restriction of Rendered UI Layers or Frames"),
    (1333, "Inefficient Regular Expression Complexity"),
];

/// The official name of CWE `number`, when it is in the table.
pub fn cwe_name(number: u32) -> Option<&'static str> {
    CWE_NAMES
        .binary_search_by_key(&number, |(n, _)| *n)
        .ok()
        .map(|i| CWE_NAMES[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_searchable() {
        assert!(CWE_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(
            cwe_name(79).map(|n| n.contains("Cross-site Scripting")),
            Some(true)
        );
        assert_eq!(cwe_name(1), None);
    }
}
