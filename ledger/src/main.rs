fn main() -> std::process::ExitCode {
    muster_shared::cli::main("ledger", muster_ledger::cmd::run)
}
