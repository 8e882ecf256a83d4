// CloseReason: why a connection ended, with the reference's wording (docs/compatibility.md,
// Close reasons) so /connz can report it exactly as nats-server does.
#pragma once

#include <cstdint>
#include <string_view>

namespace zats::server {

enum class CloseReason : uint8_t {
  None,
  ClientClosed,
  AuthenticationTimeout,
  AuthenticationViolation,
  TlsHandshakeError,
  SlowConsumerPendingBytes,
  SlowConsumerWriteDeadline,
  WriteError,
  ReadError,
  ParseError,
  StaleConnection,
  ProtocolViolation,
  BadClientProtocolVersion,
  WrongPort,
  MaxConnectionsExceeded,
  MaxAccountConnectionsExceeded,
  MaxPayloadExceeded,
  MaxControlLineExceeded,
  MaxSubscriptionsExceeded,
  ServerShutdown,
  NoRespondersRequiresHeaders,
  DuplicateRoute,
  RouteRemoved,
  ClusterNameConflict,
  DuplicateServerName,
  WrongGateway,
  AuthenticationExpired,
  Revocation,
};

constexpr std::string_view close_reason_text(CloseReason reason) {
  switch (reason) {
    case CloseReason::None: return "";
    case CloseReason::ClientClosed: return "Client Closed";
    case CloseReason::AuthenticationTimeout: return "Authentication Timeout";
    case CloseReason::AuthenticationViolation: return "Authentication Failure";
    case CloseReason::TlsHandshakeError: return "TLS Handshake Failure";
    case CloseReason::SlowConsumerPendingBytes: return "Slow Consumer (Pending Bytes)";
    case CloseReason::SlowConsumerWriteDeadline: return "Slow Consumer (Write Deadline)";
    case CloseReason::WriteError: return "Write Error";
    case CloseReason::ReadError: return "Read Error";
    case CloseReason::ParseError: return "Parse Error";
    case CloseReason::StaleConnection: return "Stale Connection";
    case CloseReason::ProtocolViolation: return "Protocol Violation";
    case CloseReason::BadClientProtocolVersion: return "Bad Client Protocol Version";
    case CloseReason::WrongPort: return "Incorrect Port";
    case CloseReason::MaxConnectionsExceeded: return "Maximum Connections Exceeded";
    case CloseReason::MaxAccountConnectionsExceeded: return "Maximum Account Connections Exceeded";
    case CloseReason::MaxPayloadExceeded: return "Maximum Message Payload Exceeded";
    case CloseReason::MaxControlLineExceeded: return "Maximum Control Line Exceeded";
    case CloseReason::MaxSubscriptionsExceeded: return "Maximum Subscriptions Exceeded";
    case CloseReason::ServerShutdown: return "Server Shutdown";
    case CloseReason::NoRespondersRequiresHeaders: return "No Responders Requires Headers";
    case CloseReason::DuplicateRoute: return "Duplicate Route";
    case CloseReason::RouteRemoved: return "Route Removed";
    case CloseReason::ClusterNameConflict: return "Cluster Name Conflict";
    case CloseReason::DuplicateServerName: return "Duplicate Server Name";
    case CloseReason::WrongGateway: return "Wrong Gateway";
    case CloseReason::AuthenticationExpired: return "Authentication Expired";
    case CloseReason::Revocation: return "Credentials Revoked";
  }
  return "";
}

}  // namespace zats::server
