//! Just enough OpenPGP to name a public key: the key ID of the primary key in an ASCII-armored
//! public key block, as a registry publishes it next to the armor.

use base64::Engine;
use sha1::{Digest, Sha1};

const BEGIN: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const END: &str = "-----END PGP PUBLIC KEY BLOCK-----";
const TAG_PUBLIC_KEY: u8 = 6;

/// The packets inside an ASCII-armored public key block, with the armor's CRC-24 checked when
/// present.
pub fn dearmor(armor: &str) -> Result<Vec<u8>, String> {
    let mut lines = armor.lines().map(str::trim_end);
    lines
        .by_ref()
        .find(|l| l.trim_start() == BEGIN)
        .ok_or_else(|| format!("no `{BEGIN}` line: not an ASCII-armored OpenPGP public key"))?;
    let mut in_headers = true;
    let mut data = String::new();
    let mut crc: Option<String> = None;
    let mut ended = false;
    for line in lines {
        let line = line.trim();
        if line == END {
            ended = true;
            break;
        }
        if in_headers {
            // Armor headers ("Comment: ...") end at the first blank line; without headers the
            // data starts right away.
            if line.is_empty() {
                in_headers = false;
                continue;
            }
            if line.contains(": ") {
                continue;
            }
            in_headers = false;
        }
        if let Some(sum) = line.strip_prefix('=') {
            if sum.len() == 4 {
                crc = Some(sum.to_string());
                continue;
            }
        }
        data.push_str(line);
    }
    if !ended {
        return Err(format!("no `{END}` line"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| format!("the armored data is not base64: {e}"))?;
    if let Some(crc) = crc {
        let want = base64::engine::general_purpose::STANDARD
            .decode(crc.as_bytes())
            .map_err(|e| format!("the armor checksum is not base64: {e}"))?;
        let got = crc24(&bytes).to_be_bytes();
        if want.as_slice() != &got[1..] {
            return Err("the armor checksum does not match its data".into());
        }
    }
    Ok(bytes)
}

/// OpenPGP's CRC-24 (RFC 4880, 6.1).
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// One packet's tag and body, and the rest of the input.
fn packet(data: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&first, rest) = data.split_first().ok_or("no packet")?;
    if first & 0x80 == 0 {
        return Err(format!("not an OpenPGP packet header: 0x{first:02x}"));
    }
    let short = || "truncated packet header".to_string();
    let (tag, len, rest) = if first & 0x40 != 0 {
        let tag = first & 0x3f;
        let (&o1, rest) = rest.split_first().ok_or_else(short)?;
        match o1 {
            0..=191 => (tag, o1 as usize, rest),
            192..=223 => {
                let (&o2, rest) = rest.split_first().ok_or_else(short)?;
                (tag, ((o1 as usize - 192) << 8) + o2 as usize + 192, rest)
            }
            255 => {
                let b = rest.get(..4).ok_or_else(short)?;
                (
                    tag,
                    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize,
                    &rest[4..],
                )
            }
            _ => return Err("a key packet with a partial body length".into()),
        }
    } else {
        let tag = (first >> 2) & 0x0f;
        let n = match first & 0x03 {
            0 => 1,
            1 => 2,
            2 => 4,
            _ => return Err("a key packet of indeterminate length".into()),
        };
        let b = rest.get(..n).ok_or_else(short)?;
        let len = b.iter().fold(0usize, |acc, &x| (acc << 8) | x as usize);
        (tag, len, &rest[n..])
    };
    if rest.len() < len {
        return Err(format!(
            "packet of {len} bytes but only {} left",
            rest.len()
        ));
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

/// The primary key's fingerprint, upper-case hex, from its public key packet body.
fn fingerprint(body: &[u8]) -> Result<String, String> {
    let version = *body.first().ok_or("empty public key packet")?;
    let digest: Vec<u8> = match version {
        4 => {
            let len = u16::try_from(body.len()).map_err(|_| "public key packet too long")?;
            let mut h = Sha1::new();
            h.update([0x99]);
            h.update(len.to_be_bytes());
            h.update(body);
            h.finalize().to_vec()
        }
        6 => {
            use sha2::Sha256;
            let len = u32::try_from(body.len()).map_err(|_| "public key packet too long")?;
            let mut h = Sha256::new();
            h.update([0x9b]);
            h.update(len.to_be_bytes());
            h.update(body);
            h.finalize().to_vec()
        }
        v => return Err(format!("OpenPGP key version {v} is not supported (4 or 6)")),
    };
    Ok(digest.iter().map(|b| format!("{b:02X}")).collect())
}

/// The primary key's fingerprint and 16-hex-digit key ID, as `gpg --list-keys` and Terraform
/// print them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyName {
    pub fingerprint: String,
    pub key_id: String,
    /// The public key algorithm (RFC 4880 9.1): 1 RSA, 17 DSA, 19 ECDSA, 22 EdDSA, ...
    pub algorithm: u8,
}

/// EdDSA (ed25519) in a v4 key: Terraform 1.0's OpenPGP library cannot read such a key.
pub const ALGORITHM_EDDSA: u8 = 22;

/// Names the primary key of an ASCII-armored public key block.
pub fn key_name(armor: &str) -> Result<KeyName, String> {
    let data = dearmor(armor)?;
    let (tag, body, _) = packet(&data)?;
    if tag != TAG_PUBLIC_KEY {
        return Err(format!(
            "the first packet has tag {tag}, not a public key (6): is this a public key block?"
        ));
    }
    let fingerprint = fingerprint(body)?;
    let key_id = if body[0] == 4 {
        fingerprint[fingerprint.len() - 16..].to_string()
    } else {
        fingerprint[..16].to_string()
    };
    let algorithm = *body.get(5).ok_or("truncated public key packet")?;
    Ok(KeyName {
        fingerprint,
        key_id,
        algorithm,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An ed25519 key made with `gpg --quick-gen-key test@example.invalid ed25519 sign never`
    /// and exported with `gpg --armor --export`.
    pub(crate) const ED25519_KEY: &str = "-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEawRMCRYJKwYBBAHaRw8BAQdAOdcVpn0peevSDB83t/ITy7muTYTW15LR3Xqs
PPjZZdu0FHRlc3RAZXhhbXBsZS5pbnZhbGlkiJAEExYIADgWIQQzqu6C1Jnq2MR4
BG3QoW94JdCX2gUCawRMCQIbAwULCQgHAgYVCgkICwIEFgIDAQIeAQIXgAAKCRDQ
oW94JdCX2hRaAQCQBYd6DcmmyI4/17C/F2s24K7AQJlh5IkVlcOUwNW+UgD/doY0
rPr93oIF5aOBXlHCFrG26OpC0/a4l3xME4Xq/gA=
=fBvH
-----END PGP PUBLIC KEY BLOCK-----
";

    #[test]
    fn crc24_of_nothing_is_the_initial_value() {
        assert_eq!(crc24(b""), 0x00B7_04CE);
    }

    #[test]
    fn names_a_gpg_exported_ed25519_key() {
        let name = key_name(ED25519_KEY).unwrap();
        assert_eq!(name.fingerprint, "33AAEE82D499EAD8C478046DD0A16F7825D097DA");
        assert_eq!(name.key_id, "D0A16F7825D097DA");
        assert_eq!(name.algorithm, ALGORITHM_EDDSA);
    }

    #[test]
    fn rejects_what_is_not_a_public_key() {
        assert!(key_name("hello").is_err());
        assert!(key_name(&ED25519_KEY.replace("=fBvH", "=AAAA")).is_err());
        let no_end = ED25519_KEY.replace("-----END PGP PUBLIC KEY BLOCK-----", "");
        assert!(key_name(&no_end).is_err());
    }
}
