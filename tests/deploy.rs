//! The deployment's worked example (`deploy/k8s/`, `Dockerfile`) holds what the relay needs:
//! one shared `FORGE_SEAL_KEYS` from a Secret, a bind address the probes and the Service reach,
//! the probes on `/healthz`, non-root and a read-only root filesystem, selectors that match, an
//! autoscaler on the Deployment — and the real relay binary starts with the manifest's own
//! arguments and environment, and `forge-relay healthcheck` tells a live relay from a dead one.

use forge_e2e::{relay_binary, workspace_root, RelayProcess};
use serde_yaml::Value;
use std::collections::BTreeMap;

fn manifest(name: &str) -> Value {
    let path = workspace_root().join("deploy/k8s").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// The relay container's environment: name → plain value, or `secret:<name>/<key>`.
fn env(container: &Value) -> BTreeMap<String, String> {
    container["env"]
        .as_sequence()
        .expect("env")
        .iter()
        .map(|e| {
            let value = match e.get("valueFrom") {
                Some(from) => format!(
                    "secret:{}/{}",
                    s(&from["secretKeyRef"]["name"]),
                    s(&from["secretKeyRef"]["key"])
                ),
                None => s(&e["value"]).to_string(),
            };
            (s(&e["name"]).to_string(), value)
        })
        .collect()
}

#[test]
fn the_manifests_give_the_relay_what_it_needs() {
    let (secret, deployment, service, hpa) = (
        manifest("secret.yaml"),
        manifest("deployment.yaml"),
        manifest("service.yaml"),
        manifest("hpa.yaml"),
    );
    assert_eq!(s(&deployment["kind"]), "Deployment");
    let spec = &deployment["spec"];
    assert!(spec["replicas"].as_u64().unwrap() >= 2);
    assert_eq!(
        spec["strategy"]["rollingUpdate"]["maxUnavailable"],
        Value::from(0)
    );
    let pod = &spec["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], Value::from(true));
    assert_eq!(pod["automountServiceAccountToken"], Value::from(false));
    let c = &pod["containers"][0];
    assert_eq!(s(&c["args"][0]), "serve");
    let sc = &c["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], Value::from(true));
    assert_eq!(sc["allowPrivilegeEscalation"], Value::from(false));
    assert_eq!(s(&sc["capabilities"]["drop"][0]), "ALL");

    // Every replica opens every session: the one key set, from the one Secret.
    let env = env(c);
    let secret_name = s(&secret["metadata"]["name"]);
    assert!(secret["stringData"]["FORGE_SEAL_KEYS"].is_string());
    assert_eq!(
        env["FORGE_SEAL_KEYS"],
        format!("secret:{secret_name}/FORGE_SEAL_KEYS")
    );
    // Behind a balancer: listen on every interface, tolerate its headers, no per-address cap.
    assert_eq!(env["FORGE_BIND"], "0.0.0.0:3000");
    assert_eq!(env["FORGE_BEHIND_PROXY"], "true");
    assert_eq!(env["FORGE_MAX_CONNECTIONS_PER_IP"], "0");
    let port = &c["ports"][0];
    assert_eq!(port["containerPort"], Value::from(3000));
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(s(&c[probe]["httpGet"]["path"]), "/healthz", "{probe}");
        assert_eq!(c[probe]["httpGet"]["port"], port["name"], "{probe}");
    }

    // The Service and the autoscaler find the Deployment's pods.
    let labels = &spec["template"]["metadata"]["labels"];
    assert_eq!(&service["spec"]["selector"], labels);
    assert_eq!(&spec["selector"]["matchLabels"], labels);
    assert_eq!(service["spec"]["ports"][0]["targetPort"], port["name"]);
    assert_eq!(s(&hpa["spec"]["scaleTargetRef"]["kind"]), "Deployment");
    assert_eq!(
        hpa["spec"]["scaleTargetRef"]["name"],
        deployment["metadata"]["name"]
    );
    assert!(hpa["spec"]["minReplicas"].as_u64().unwrap() >= 2);
}

#[test]
fn the_container_is_static_non_root_and_checks_its_own_health() {
    let text = std::fs::read_to_string(workspace_root().join("Dockerfile")).unwrap();
    for needed in [
        "--target x86_64-unknown-linux-musl",
        "FROM gcr.io/distroless/static-debian12:nonroot",
        "USER 65532:65532",
        "HEALTHCHECK",
        r#"CMD ["/forge-relay", "healthcheck"]"#,
        "FORGE_BIND=0.0.0.0:3000",
        "cargo xtask setup --app",
        "cargo xtask compress",
    ] {
        assert!(text.contains(needed), "the Dockerfile lacks {needed:?}");
    }
    // Nothing the image does not need goes into the build context.
    let ignore = std::fs::read_to_string(workspace_root().join(".dockerignore")).unwrap();
    for path in ["target", "node_modules", ".git"] {
        assert!(ignore.lines().any(|l| l == path), "{path}");
    }
}

#[tokio::test]
async fn the_relay_starts_with_the_manifests_settings_and_answers_its_health_check() {
    let deployment = manifest("deployment.yaml");
    let c = &deployment["spec"]["template"]["spec"]["containers"][0];
    let dist = workspace_root().join("dist");
    let mut args: Vec<String> = c["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| s(a).to_string())
        .collect();
    // The image's /app is the workspace's built app (a stand-in page when it is not built:
    // the relay refuses an app folder without index.html).
    let app = if dist.join("index.html").is_file() {
        dist
    } else {
        let stand_in = forge_e2e::target_dir().join("deploy-test-app");
        std::fs::create_dir_all(&stand_in).unwrap();
        std::fs::write(
            stand_in.join("index.html"),
            "<!doctype html><title>Forge</title>",
        )
        .unwrap();
        stand_in
    };
    for a in &mut args {
        if a == "/app" {
            *a = app.display().to_string();
        }
    }
    let mut envs: Vec<(String, String)> = env(c)
        .into_iter()
        .filter(|(k, _)| k != "FORGE_BIND")
        .collect();
    for (k, v) in &mut envs {
        if k == "FORGE_SEAL_KEYS" {
            *v = "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into();
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let envs: Vec<(&str, &str)> = envs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let relay = RelayProcess::start(&args, &envs).await;
    let health = reqwest::get(relay.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);

    let check = |bind: String| async move {
        tokio::process::Command::new(relay_binary())
            .args(["healthcheck", "--bind", &bind])
            .output()
            .await
            .unwrap()
    };
    let live = check(relay.addr.to_string()).await;
    assert!(
        live.status.success(),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    // 0.0.0.0 means this host, as inside the container.
    let any = check(format!("0.0.0.0:{}", relay.addr.port())).await;
    assert!(any.status.success());
    drop(relay);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = closed.local_addr().unwrap().to_string();
    drop(closed);
    let out = check(dead).await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unhealthy"));
}

/// The container's relay: a static musl build (`rustup target add x86_64-unknown-linux-musl`
/// and musl-tools, as `cargo xtask setup` installs them) with no program interpreter, which
/// serves the app and answers its own health check.
#[tokio::test]
async fn the_static_musl_relay_builds_and_serves() {
    const TARGET: &str = "x86_64-unknown-linux-musl";
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--release",
            "--locked",
            "-p",
            "forge-relay",
        ])
        .args(["--bin", "forge-relay", "--target", TARGET])
        .current_dir(workspace_root())
        .status()
        .expect("cargo build");
    assert!(
        status.success(),
        "the musl build failed: `cargo xtask setup` installs the {TARGET} target and musl-tools"
    );
    let binary = forge_e2e::target_dir()
        .join(TARGET)
        .join("release")
        .join("forge-relay");
    // Static: no PT_INTERP (type 3) among the ELF program headers, so no loader and no libc to
    // find on a distroless or scratch base.
    let elf = std::fs::read(&binary).unwrap();
    assert_eq!(&elf[..4], b"\x7fELF");
    let u16_at = |i: usize| u16::from_le_bytes([elf[i], elf[i + 1]]) as usize;
    let ph_off = u64::from_le_bytes(elf[0x20..0x28].try_into().unwrap()) as usize;
    let (ph_size, ph_count) = (u16_at(0x36), u16_at(0x38));
    let interp = (0..ph_count).any(|k| {
        let at = ph_off + k * ph_size;
        u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) == 3
    });
    assert!(!interp, "the musl relay asks for a program interpreter");

    let mut cmd = tokio::process::Command::new(&binary);
    cmd.args(["serve", "--bind", "127.0.0.1:0"]).env(
        "FORGE_SEAL_KEYS",
        "1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    );
    let relay = RelayProcess::spawn(cmd).await;
    assert_eq!(
        reqwest::get(relay.url("/healthz")).await.unwrap().status(),
        200
    );
    let check = tokio::process::Command::new(&binary)
        .args(["healthcheck", "--bind", &relay.addr.to_string()])
        .output()
        .await
        .unwrap();
    assert!(check.status.success());
}
