//! The sockets of a process, as `checkpointctl inspect --sockets` shows
//! them.
//!
//! Derived from `ids-<pid>.img` and `fdinfo-<files_id>.img` (which
//! descriptors are sockets) and the socket entries of `files.img`: inet
//! (`isk`), unix (`usk`), packet (`psk`) and netlink (`nlsk`). The JSON keys,
//! state names and buffer-size format are checkpointctl's. Where
//! checkpointctl gets a value wrong or leaves it blank, ckpt shows it right:
//!
//! - IPv6 addresses are rendered from all four address words
//!   (`::ffff:127.0.0.1`, where checkpointctl prints `7f00:1::`);
//! - a unix socket's name loses the trailing NUL some programs bind with,
//!   and an abstract name (leading NUL) reads `@name`;
//! - a unix socket's protocol is its type (`STREAM`, `DGRAM`, `SEQPACKET`),
//!   so the tree reads `UNIX (DGRAM)` where checkpointctl prints `UNIX ()`
//!   and the JSON gains `"protocol": "DGRAM"`; packet and netlink sockets
//!   are labelled `PACKET` and `NETLINK`.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::criu::checkpoint::Checkpoint;
use crate::criu::files::{fd_type, has_resources};
use crate::criu::proto::{FdinfoEntry, InetSkEntry, SkOptsEntry, UnixSkEntry};

/// `SocketData::kind` of a unix socket.
const UNIX: &str = "UNIX";

/// One socket of a process: checkpointctl's `open_sockets` element.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Socket {
    /// `TCP`, `UDP`, … for inet sockets; the socket type (`STREAM`,
    /// `DGRAM`, …) for unix sockets; `PACKET` or `NETLINK` otherwise.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    /// What is known about the socket; which fields are set depends on the
    /// kind (see [`SocketData`]).
    pub data: SocketData,
}

/// The details of a socket; empty fields are left out of the JSON.
///
/// Inet sockets fill `type` (the protocol again), `state`, the endpoints
/// and the buffers; unix sockets fill `type` (`UNIX`) and `address`; packet
/// and netlink sockets fill only the buffers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SocketData {
    /// `TCP`, `UDP`, … for inet sockets, `UNIX` for unix sockets.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// A unix socket's bound name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub address: String,
    /// The TCP state name (`LISTEN`, `ESTABLISHED`, …; UDP uses them too).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub state: String,
    /// Local address.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub src: String,
    /// Local port.
    #[serde(skip_serializing_if = "is_zero")]
    pub src_port: u32,
    /// Peer address (`::` or `0.0.0.0` when there is none).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dst: String,
    /// Peer port; 0 when there is none.
    #[serde(skip_serializing_if = "is_zero")]
    pub dst_port: u32,
    /// Send buffer size (`SO_SNDBUF`), as `16.0 KB`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub send_buf: String,
    /// Receive buffer size (`SO_RCVBUF`), as `128.0 KB`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub recv_buf: String,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The sockets among `pid`'s descriptors, in fdinfo order. Empty for a dead
/// or zombie task. A socket descriptor whose `files.img` entry is missing
/// is left out (the open files still list it).
pub fn sockets(cp: &Checkpoint, pid: u32) -> Vec<Socket> {
    if !has_resources(cp, pid) {
        return Vec::new();
    }
    cp.fds_of(pid)
        .unwrap_or_default()
        .iter()
        .filter_map(|fd| socket(cp, fd))
        .collect()
}

/// The meta label and the text of a socket's line in checkpointctl's tree:
/// `("TCP (LISTEN)", ":::8080 -> :::0 (↑ 16.0 KB ↓ 128.0 KB)")`,
/// `("UNIX (DGRAM)", "/dev/log")`, `("NETLINK", "↑ 208.0 KB ↓ 208.0 KB")`.
pub fn tree_label(s: &Socket) -> (String, String) {
    let d = &s.data;
    match d.kind.as_str() {
        UNIX => {
            // checkpointctl shows an unnamed socket as "@".
            let text = if d.address.is_empty() {
                "@"
            } else {
                &d.address
            };
            (format!("UNIX ({})", s.protocol), text.to_string())
        }
        // Only packet and netlink sockets leave `type` empty.
        "" => (
            s.protocol.clone(),
            format!("↑ {} ↓ {}", d.send_buf, d.recv_buf),
        ),
        _ => {
            let meta = if s.protocol == "TCP" {
                format!("TCP ({})", d.state)
            } else {
                s.protocol.clone()
            };
            // Joined as checkpointctl does, without brackets around IPv6.
            let text = format!(
                "{}:{} -> {}:{} (↑ {} ↓ {})",
                d.src, d.src_port, d.dst, d.dst_port, d.send_buf, d.recv_buf
            );
            (meta, text)
        }
    }
}

fn socket(cp: &Checkpoint, fd: &FdinfoEntry) -> Option<Socket> {
    let file = cp.files.get(&fd.id)?;
    match fd.r#type {
        fd_type::INETSK => file.isk.as_ref().map(inet),
        fd_type::UNIXSK => file.usk.as_ref().map(unix),
        // The protocol numbers of these two are an ethertype and a netlink
        // family; checkpointctl runs them through the IP protocol table,
        // which means nothing, so they are labelled by family.
        fd_type::PACKETSK => file
            .psk
            .as_ref()
            .map(|psk| buffers_only("PACKET", psk.opts.as_ref())),
        fd_type::NETLINKSK => file
            .nlsk
            .as_ref()
            .map(|nlsk| buffers_only("NETLINK", nlsk.opts.as_ref())),
        _ => None,
    }
}

fn inet(isk: &InetSkEntry) -> Socket {
    let protocol = ip_protocol_name(isk.proto);
    let (send_buf, recv_buf) = buffers(isk.opts.as_ref());
    Socket {
        protocol: protocol.to_string(),
        data: SocketData {
            kind: protocol.to_string(),
            state: tcp_state_name(isk.state).to_string(),
            src: inet_addr(&isk.src_addr),
            src_port: isk.src_port,
            dst: inet_addr(&isk.dst_addr),
            dst_port: isk.dst_port,
            send_buf,
            recv_buf,
            ..SocketData::default()
        },
    }
}

fn unix(usk: &UnixSkEntry) -> Socket {
    Socket {
        protocol: socket_type_name(usk.r#type).to_string(),
        data: SocketData {
            kind: UNIX.to_string(),
            address: unix_name(&usk.name),
            ..SocketData::default()
        },
    }
}

fn buffers_only(protocol: &str, opts: Option<&SkOptsEntry>) -> Socket {
    let (send_buf, recv_buf) = buffers(opts);
    Socket {
        protocol: protocol.to_string(),
        data: SocketData {
            send_buf,
            recv_buf,
            ..SocketData::default()
        },
    }
}

fn buffers(opts: Option<&SkOptsEntry>) -> (String, String) {
    match opts {
        Some(opts) => (
            buffer_size(u64::from(opts.so_sndbuf)),
            buffer_size(u64::from(opts.so_rcvbuf)),
        ),
        None => (String::new(), String::new()),
    }
}

/// A unix socket name for display: a path loses one trailing NUL (programs
/// such as busybox syslogd bind with it counted in the length); an abstract
/// name (leading NUL) is written `@name`, its other NULs as `@` too, as
/// `ss` does.
pub(crate) fn unix_name(name: &[u8]) -> String {
    match name.split_first() {
        Some((0, rest)) => {
            let mut shown = String::from("@");
            shown.push_str(&String::from_utf8_lossy(rest).replace('\0', "@"));
            shown
        }
        _ => {
            let path = name.strip_suffix(b"\0").unwrap_or(name);
            String::from_utf8_lossy(path).into_owned()
        }
    }
}

/// An inet address from its stored words: each word holds four address
/// bytes in network order, read back in the dump host's (little-endian)
/// order. One word is IPv4, four are IPv6; anything else is not shown.
fn inet_addr(words: &[u32]) -> String {
    match *words {
        [word] => Ipv4Addr::from(word.to_le_bytes()).to_string(),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (chunk, word) in bytes.chunks_exact_mut(4).zip([a, b, c, d]) {
                chunk.copy_from_slice(&word.to_le_bytes());
            }
            Ipv6Addr::from(bytes).to_string()
        }
        _ => String::new(),
    }
}

/// A byte count as checkpointctl prints socket buffers: below 1024 as
/// `N B`, otherwise in the largest 1024-based unit that keeps the integer
/// part at least 1, with one decimal (`KB`, `MB`, … — not KiB).
fn buffer_size(n: u64) -> String {
    const UNIT: u64 = 1024;
    if n < UNIT {
        return format!("{n} B");
    }
    // The unit is picked from the truncated count and the value rounded
    // after, so 1048575 B reads "1024.0 KB", not "1.0 MB".
    let (mut div, mut exp, mut whole) = (UNIT, 0, n / UNIT);
    while whole >= UNIT {
        div *= UNIT;
        exp += 1;
        whole /= UNIT;
    }
    // A u64 reaches exabytes at most.
    let unit = ['K', 'M', 'G', 'T', 'P', 'E']
        .get(exp)
        .copied()
        .unwrap_or('E');
    format!("{} {unit}B", tenths(n, div))
}

/// `n / div` with one decimal, rounded half to even as Go's `%.1f` rounds
/// the exact quotient (`div` is a power of two, so the quotient is exact).
fn tenths(n: u64, div: u64) -> String {
    let scaled = u128::from(n) * 10;
    let div = u128::from(div);
    let (mut q, r) = (scaled / div, scaled % div);
    if 2 * r > div || (2 * r == div && q % 2 == 1) {
        q += 1;
    }
    format!("{}.{}", q / 10, q % 10)
}

/// The name of an IP protocol number as checkpointctl prints it.
fn ip_protocol_name(proto: u32) -> &'static str {
    match proto {
        1 => "ICMP",
        2 => "IGMP",
        6 => "TCP",
        17 => "UDP",
        58 => "ICMPV6",
        136 => "UDPLITE",
        255 => "RAW",
        _ => "UNKNOWN",
    }
}

/// The kernel's TCP state names (`include/net/tcp_states.h`), spelled as
/// checkpointctl spells them.
fn tcp_state_name(state: u32) -> &'static str {
    match state {
        1 => "ESTABLISHED",
        2 => "SYN_SENT",
        3 => "SYN_RECEIVED",
        4 => "FIN_WAIT_1",
        5 => "FIN_WAIT_2",
        6 => "TIME_WAIT",
        7 => "CLOSE",
        8 => "CLOSE_WAIT",
        9 => "LAST_ACK",
        10 => "LISTEN",
        11 => "CLOSING",
        12 => "NEW_SYN_RECV",
        _ => "UNKNOWN",
    }
}

/// The name of a `SOCK_*` type number.
fn socket_type_name(t: u32) -> &'static str {
    match t {
        1 => "STREAM",
        2 => "DGRAM",
        3 => "RAW",
        4 => "RDM",
        5 => "SEQPACKET",
        10 => "PACKET",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criu::proto::{FileEntry, NetlinkSkEntry, PacketSockEntry};

    const PID: u32 = 9;
    const FILES_ID: u32 = 4;
    /// 127.0.0.1 as CRIU stores it: the bytes 7f 00 00 01 in one LE word.
    const LOOPBACK: u32 = 0x0100_007f;

    fn opts(so_sndbuf: u32, so_rcvbuf: u32) -> Option<SkOptsEntry> {
        Some(SkOptsEntry {
            so_sndbuf,
            so_rcvbuf,
        })
    }

    /// A checkpoint whose task `PID`, in `state`, has the file objects
    /// `files` open as fds 0, 1, … in that order.
    fn checkpoint(state: u32, files: Vec<FileEntry>) -> Checkpoint {
        let fds: Vec<(i32, u32, u32)> = (0..)
            .zip(&files)
            .map(|(fd, file)| (file.r#type, fd, file.id))
            .collect();
        let mut cp = Checkpoint::with_task(PID, "nc", state, FILES_ID, &fds);
        for file in files {
            cp.files.insert(file.id, file);
        }
        cp
    }

    fn alive(files: Vec<FileEntry>) -> Checkpoint {
        checkpoint(1, files)
    }

    fn inet_file(id: u32, isk: InetSkEntry) -> FileEntry {
        FileEntry {
            r#type: fd_type::INETSK,
            id,
            isk: Some(isk),
            ..Default::default()
        }
    }

    fn tcp(state: u32, src: &[u32], src_port: u32, dst: &[u32], dst_port: u32) -> InetSkEntry {
        InetSkEntry {
            family: if src.len() == 1 { 2 } else { 10 },
            r#type: 1,
            proto: 6,
            state,
            src_port,
            dst_port,
            src_addr: src.to_vec(),
            dst_addr: dst.to_vec(),
            opts: opts(16384, 131072),
            ..Default::default()
        }
    }

    fn unix_file(id: u32, r#type: u32, name: &[u8]) -> FileEntry {
        FileEntry {
            r#type: fd_type::UNIXSK,
            id,
            usk: Some(UnixSkEntry {
                id,
                ino: 142756,
                r#type,
                state: 1,
                name: name.to_vec(),
                opts: opts(212992, 212992),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn only(cp: &Checkpoint) -> Socket {
        let mut found = sockets(cp, PID);
        assert_eq!(found.len(), 1, "{found:?}");
        found.remove(0)
    }

    fn json(socket: &Socket) -> String {
        serde_json::to_string(socket).unwrap()
    }

    #[test]
    fn ipv4_connection_matches_checkpointctl() {
        let isk = tcp(1, &[LOOPBACK], 42724, &[LOOPBACK], 9000);
        let socket = only(&alive(vec![inet_file(31, isk)]));
        assert_eq!(
            json(&socket),
            r#"{"protocol":"TCP","data":{"type":"TCP","state":"ESTABLISHED","#.to_string()
                + r#""src":"127.0.0.1","src_port":42724,"dst":"127.0.0.1","dst_port":9000,"#
                + r#""send_buf":"16.0 KB","recv_buf":"128.0 KB"}}"#
        );
        assert_eq!(
            tree_label(&socket),
            (
                "TCP (ESTABLISHED)".to_string(),
                "127.0.0.1:42724 -> 127.0.0.1:9000 (↑ 16.0 KB ↓ 128.0 KB)".to_string()
            )
        );
    }

    #[test]
    fn ipv6_wildcard_listener_prints_as_checkpointctl_does() {
        let isk = tcp(10, &[0; 4], 8080, &[0; 4], 0);
        let socket = only(&alive(vec![inet_file(14, isk)]));
        // No dst_port: omitted when zero, as Go's omitempty does.
        assert_eq!(
            json(&socket),
            r#"{"protocol":"TCP","data":{"type":"TCP","state":"LISTEN","src":"::","#.to_string()
                + r#""src_port":8080,"dst":"::","send_buf":"16.0 KB","recv_buf":"128.0 KB"}}"#
        );
        assert_eq!(
            tree_label(&socket),
            (
                "TCP (LISTEN)".to_string(),
                ":::8080 -> :::0 (↑ 16.0 KB ↓ 128.0 KB)".to_string()
            )
        );
    }

    #[test]
    fn ipv4_mapped_ipv6_address_is_rendered_from_all_four_words() {
        let mapped = [0, 0, 0xffff_0000, LOOPBACK];
        let isk = tcp(1, &mapped, 9000, &mapped, 42724);
        let socket = only(&alive(vec![inet_file(23, isk)]));
        assert_eq!(socket.data.src, "::ffff:127.0.0.1");
        assert_eq!(socket.data.dst, "::ffff:127.0.0.1");
        assert_eq!(
            tree_label(&socket).1,
            "::ffff:127.0.0.1:9000 -> ::ffff:127.0.0.1:42724 (↑ 16.0 KB ↓ 128.0 KB)"
        );
    }

    #[test]
    fn ipv6_words_keep_their_byte_order() {
        // 2001:db8::1: the words hold the address bytes in order, read LE.
        let words = [0xb80d_0120, 0, 0, 0x0100_0000];
        assert_eq!(inet_addr(&words), "2001:db8::1");
        assert_eq!(inet_addr(&[]), "");
        assert_eq!(inet_addr(&[1, 2]), "");
    }

    #[test]
    fn udp_has_no_state_in_its_tree_label() {
        let isk = InetSkEntry {
            proto: 17,
            r#type: 2,
            state: 7,
            src_addr: vec![0],
            dst_addr: vec![0],
            src_port: 53,
            opts: opts(1023, 1024),
            ..Default::default()
        };
        let socket = only(&alive(vec![inet_file(5, isk)]));
        assert_eq!(socket.data.state, "CLOSE");
        assert_eq!(
            tree_label(&socket),
            (
                "UDP".to_string(),
                "0.0.0.0:53 -> 0.0.0.0:0 (↑ 1023 B ↓ 1.0 KB)".to_string()
            )
        );
    }

    #[test]
    fn unix_name_drops_trailing_nul_and_shows_abstract_with_at() {
        let cp = alive(vec![
            unix_file(1, 2, b"/dev/log\0"),
            unix_file(2, 1, b"\0/tmp/.X11-unix/X0"),
            unix_file(3, 5, b"\0a\0b"),
            unix_file(4, 1, b""),
        ]);
        let found = sockets(&cp, PID);
        let addresses: Vec<&str> = found.iter().map(|s| s.data.address.as_str()).collect();
        assert_eq!(addresses, ["/dev/log", "@/tmp/.X11-unix/X0", "@a@b", ""]);
        let protocols: Vec<&str> = found.iter().map(|s| s.protocol.as_str()).collect();
        assert_eq!(protocols, ["DGRAM", "STREAM", "SEQPACKET", "STREAM"]);
    }

    #[test]
    fn unix_socket_shows_type_and_address_only() {
        let socket = only(&alive(vec![unix_file(8, 2, b"/dev/log\0")]));
        assert_eq!(
            json(&socket),
            r#"{"protocol":"DGRAM","data":{"type":"UNIX","address":"/dev/log"}}"#
        );
        assert_eq!(
            tree_label(&socket),
            ("UNIX (DGRAM)".to_string(), "/dev/log".to_string())
        );
        let unnamed = only(&alive(vec![unix_file(8, 1, b"")]));
        assert_eq!(tree_label(&unnamed).1, "@");
    }

    #[test]
    fn packet_and_netlink_sockets_show_buffers_only() {
        let packet = FileEntry {
            r#type: fd_type::PACKETSK,
            id: 1,
            psk: Some(PacketSockEntry {
                id: 1,
                r#type: 3,
                protocol: 0x0300,
                opts: opts(212992, 212992),
            }),
            ..Default::default()
        };
        let netlink = FileEntry {
            r#type: fd_type::NETLINKSK,
            id: 2,
            nlsk: Some(NetlinkSkEntry {
                id: 2,
                ino: 77,
                protocol: 0,
                opts: opts(212992, 32768),
            }),
            ..Default::default()
        };
        let found = sockets(&alive(vec![packet, netlink]), PID);
        assert_eq!(
            json(&found[0]),
            r#"{"protocol":"PACKET","data":{"send_buf":"208.0 KB","recv_buf":"208.0 KB"}}"#
        );
        assert_eq!(
            tree_label(&found[1]),
            ("NETLINK".to_string(), "↑ 208.0 KB ↓ 32.0 KB".to_string())
        );
    }

    #[test]
    fn other_descriptors_and_missing_entries_are_not_sockets() {
        let reg = FileEntry {
            r#type: fd_type::REG,
            id: 1,
            ..Default::default()
        };
        let mut cp = alive(vec![reg, unix_file(2, 1, b"/run/a.sock")]);
        cp.files.remove(&2);
        assert!(sockets(&cp, PID).is_empty());
    }

    #[test]
    fn buffer_sizes_step_units_at_1024() {
        let cases = [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KB"),
            (1126, "1.1 KB"),
            (16384, "16.0 KB"),
            (1_048_575, "1024.0 KB"),
            (1_048_576, "1.0 MB"),
            (3_939_840, "3.8 MB"),
            (1 << 30, "1.0 GB"),
            (u64::from(u32::MAX), "4.0 GB"),
            (u64::MAX, "16.0 EB"),
        ];
        for (n, shown) in cases {
            assert_eq!(buffer_size(n), shown, "{n}");
        }
    }

    #[test]
    fn buffer_size_ties_round_to_even_like_go() {
        // 1.25 and 1.75 KB are exact halves in binary: Go's %.1f gives
        // 1.2 and 1.8.
        assert_eq!(buffer_size(1280), "1.2 KB");
        assert_eq!(buffer_size(1792), "1.8 KB");
        assert_eq!(buffer_size(1281), "1.3 KB");
    }

    #[test]
    fn unknown_numbers_read_unknown() {
        let isk = InetSkEntry {
            proto: 132,
            state: 0,
            ..tcp(1, &[LOOPBACK], 1, &[LOOPBACK], 2)
        };
        let socket = only(&alive(vec![inet_file(1, isk)]));
        assert_eq!(socket.protocol, "UNKNOWN");
        assert_eq!(socket.data.state, "UNKNOWN");
        assert_eq!(tree_label(&socket).0, "UNKNOWN");
        let socket = only(&alive(vec![unix_file(1, 9, b"")]));
        assert_eq!(tree_label(&socket).0, "UNIX (UNKNOWN)");
    }

    #[test]
    fn dead_task_has_no_sockets() {
        let isk = tcp(10, &[0; 4], 8080, &[0; 4], 0);
        for state in [2, 6] {
            let cp = checkpoint(state, vec![inet_file(14, isk.clone())]);
            assert!(sockets(&cp, PID).is_empty(), "state {state}");
        }
    }
}
