# A node's firewall (sourced), in chains of the prefix inside the node's own network namespace.
# shellcheck shell=bash
#
# Forwarded traffic (DOCKER-USER, which Docker reaches first and leaves alone):
#   replies to connections already allowed pass;
#   a workspace opens nothing through its node: no other workspace (on this node too, with inter-container
#   traffic off), no other node, not the storage, the registry or the portal host, nothing beyond the lab
#   (refused at once, so a probe fails fast rather than hanging: TCP with a reset, since the kernel rate-limits
#   the ICMP errors that would refuse the rest);
#   the portal host may open connections to this node's workspaces; nobody else reaches any workspace range.
# The node itself (INPUT): a workspace reaches none of its node's ports (engine API 2376, swarm 2377, gossip).
# The partition chain is empty until `cluster.sh partition N` fills it.

FW_IPTABLES=(iptables -w 5)

fw_ensure_jump() { "${FW_IPTABLES[@]}" -C "$1" -j "$2" 2>/dev/null || "${FW_IPTABLES[@]}" -I "$1" 1 -j "$2"; }

# Installs node N's rules in the current network namespace; rewriting them is one atomic commit.
firewall_install() {
  local n="$1" subnet
  subnet="$(node_subnet "$n")"
  iptables-restore -w 5 --noflush <<RULES
*filter
:$CHAIN_FWD - [0:0]
:$CHAIN_IN - [0:0]
-A $CHAIN_FWD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A $CHAIN_FWD -s $subnet -p tcp -j REJECT --reject-with tcp-reset
-A $CHAIN_FWD -s $subnet -j REJECT --reject-with icmp-admin-prohibited
-A $CHAIN_FWD -s $HOST_ADDR/32 -d $subnet -j ACCEPT
-A $CHAIN_FWD -d $WS_RANGES -j DROP
-A $CHAIN_IN -s $subnet -p tcp -j REJECT --reject-with tcp-reset
-A $CHAIN_IN -s $subnet -j REJECT --reject-with icmp-admin-prohibited
COMMIT
RULES
  "${FW_IPTABLES[@]}" -N DOCKER-USER 2>/dev/null || true
  "${FW_IPTABLES[@]}" -N "$CHAIN_PARTITION" 2>/dev/null || true
  fw_ensure_jump DOCKER-USER "$CHAIN_FWD"
  fw_ensure_jump INPUT "$CHAIN_IN"
  fw_ensure_jump INPUT "$CHAIN_PARTITION"
  fw_ensure_jump OUTPUT "$CHAIN_PARTITION"
}

# Cuts (or restores) worker N's traffic with the manager only, both ways, silently as a broken link would.
firewall_partition() {
  local n="$1" cut="$2" mgr
  mgr="$(node_addr "$MANAGER")"
  local fw=(nsenter "--net=/run/netns/$(node_ns "$n")" "${FW_IPTABLES[@]}")
  "${fw[@]}" -F "$CHAIN_PARTITION"
  if [[ "$cut" == cut ]]; then
    "${fw[@]}" -A "$CHAIN_PARTITION" -s "$mgr" -j DROP
    "${fw[@]}" -A "$CHAIN_PARTITION" -d "$mgr" -j DROP
  fi
}
