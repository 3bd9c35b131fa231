@_exported import Triage
