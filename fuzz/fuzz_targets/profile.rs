//! The workflow-profile parser and validator may not panic on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(p) = juece_core::profile::Profile::parse("fuzz.json", text) {
        let _ = p.to_dot(juece_core::Lang::Zh);
    }
});
