//! `network.status`: Podman's network result (netavark's layout).
//!
//! An object keyed by network name; each network has `interfaces` keyed by
//! interface name, each with `subnets` (`ipnet`, `gateway`) and
//! `mac_address`. A container run with `--network=none` has the JSON `null`.
//! Maps are kept sorted so that reports do not depend on hash order.

use std::collections::BTreeMap;

use serde::Deserialize;

/// All networks of a container, sorted by name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct NetworkStatus {
    /// Network name to its interfaces.
    pub networks: BTreeMap<String, Network>,
}

/// One network the container is attached to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Network {
    /// Interface name (`eth0`) to its addresses.
    pub interfaces: BTreeMap<String, Interface>,
}

/// One interface inside the container.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Interface {
    /// Its subnets, IPv4 and IPv6 alike, in the order netavark wrote them.
    pub subnets: Vec<Subnet>,
    /// Its MAC address.
    pub mac_address: String,
}

/// An address of an interface.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Subnet {
    /// Address with prefix length, e.g. `10.88.0.9/16`.
    pub ipnet: String,
    /// The subnet's gateway.
    pub gateway: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_several_networks_sorted() {
        let json = br#"{
            "zeta": {"interfaces": {"eth1": {"subnets": [{"ipnet": "10.89.0.2/24", "gateway": "10.89.0.1"}], "mac_address": "aa:bb"}}},
            "podman": {"interfaces": {"eth0": {"subnets": [{"ipnet": "10.88.0.9/16", "gateway": "10.88.0.1"}, {"ipnet": "fd00::9/64"}], "mac_address": "cc:dd"}}}
        }"#;
        let status: NetworkStatus = crate::metadata::deserialize("network.status", json).unwrap();
        let names: Vec<_> = status.networks.keys().collect();
        assert_eq!(names, ["podman", "zeta"]);
        let eth0 = &status.networks["podman"].interfaces["eth0"];
        assert_eq!(eth0.subnets.len(), 2);
        assert_eq!(eth0.subnets[0].gateway, "10.88.0.1");
        assert_eq!(eth0.mac_address, "cc:dd");
    }

    #[test]
    fn null_means_no_network() {
        let status: NetworkStatus =
            crate::metadata::deserialize("network.status", b"null").unwrap();
        assert!(status.networks.is_empty());
    }

    #[test]
    fn a_list_is_the_wrong_shape() {
        assert!(crate::metadata::deserialize::<NetworkStatus>("network.status", b"[]").is_err());
    }
}
