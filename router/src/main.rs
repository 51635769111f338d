fn main() -> std::process::ExitCode {
    muster_shared::cli::main("route", muster_router::cmd::run)
}
