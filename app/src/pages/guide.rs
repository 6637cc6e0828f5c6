//! `/guide` — how to create the scoped token, why each permission, what Forge never does, and
//! how the token is protected.

use crate::components::layout::set_title;
use crate::view_model::scope::{console_summary, forge_summary, sentence};
use forge_apify::Grant;
use leptos::prelude::*;

const CONSOLE_TOKENS: &str = "https://console.apify.com/settings/integrations";

#[component]
pub fn GuidePage() -> impl IntoView {
    set_title("Set-up guide");
    let forge_five = forge_summary();
    let console = console_summary();
    let rows = Grant::ALL
        .into_iter()
        .map(|g| {
            view! {
                <tr>
                    <th scope="row">{g.label()}</th>
                    <td>{g.console_label()}</td>
                    <td>{sentence(g.why())}</td>
                </tr>
            }
        })
        .collect_view();

    view! {
        <div class="page narrow guide">
            <h1 class="page-title">"Set-up guide"</h1>
            <p class="lead">
                "Forge needs an Apify API token to read your fleet. Give it a " <strong>"scoped"</strong>
                " token that can do exactly five things and nothing else. It takes about two minutes."
            </p>

            <section class="card" aria-labelledby="steps-title">
                <h2 id="steps-title">"Create the token"</h2>
                <ol class="steps numbered">
                    <li>
                        <strong>"Open Apify Console → Settings → API & Integrations."</strong>
                        " That page lists your tokens: "
                        <a href=CONSOLE_TOKENS class="external" target="_blank" rel="noopener noreferrer">"console.apify.com/settings/integrations"</a>
                        "."
                    </li>
                    <li>
                        <strong>"Create a new token with a name you will recognise,"</strong>
                        " such as " <code>"forge-dashboard-2026"</code>
                        ". A descriptive name makes it easy to find — and revoke — later."
                    </li>
                    <li>
                        <strong>"Turn on “Limit token permissions”."</strong>
                        " Without it the token has full access to your account, and Forge will tell you so."
                    </li>
                    <li>
                        <strong>"Tick exactly these five permissions"</strong>
                        " and leave everything else off:"
                        <div class="two-names">
                            <div>
                                <h3>"Forge's five"</h3>
                                <ul class="permission-list" id="forge-five">
                                    {forge_five.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                                </ul>
                            </div>
                            <div>
                                <h3>"As today's Apify Console names them"</h3>
                                <ul class="permission-list" id="console-names">
                                    {console.into_iter().map(|(group, verbs)| view! {
                                        <li>{format!("{group}: {}", verbs.join(", "))}</li>
                                    }).collect_view()}
                                </ul>
                            </div>
                        </div>
                        <p class="muted">
                            "The Console groups the same permissions differently: run history is “Actors: List runs”, and datasets and key-value stores share “Storages”."
                        </p>
                    </li>
                    <li>
                        <strong>"Save, and copy the token."</strong>
                        " Apify shows it once. It starts with " <code>"apify_api_"</code>
                        " and is 46 characters long; copy all of it, without spaces."
                    </li>
                    <li>
                        <strong>"Paste it into Forge → "</strong> <a href="/settings">"Settings"</a>
                        ". Forge checks its shape as you type, connects, and then shows which of the five permissions the token really has."
                    </li>
                </ol>
            </section>

            <section class="card" aria-labelledby="why-title">
                <h2 id="why-title">"Why each permission"</h2>
                <div class="table-wrap">
                    <table class="data-table">
                        <thead>
                            <tr>
                                <th scope="col">"Permission (Forge)"</th>
                                <th scope="col">"In today's Apify Console"</th>
                                <th scope="col">"Why Forge needs it"</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>

            <section class="card" aria-labelledby="never-title">
                <h2 id="never-title">"What Forge never does"</h2>
                <ul class="never">
                    <li><strong>"Never writes or changes your Actors."</strong> " Forge does not ask for “Actors: Write”; it cannot touch source code, settings or versions."</li>
                    <li><strong>"Never deletes anything."</strong> " “Storages: Write” in the Console would allow deleting storages; Forge's relay refuses every delete before it reaches Apify."</li>
                    <li><strong>"Never reads your dataset items."</strong> " It reads dataset metadata — item counts and field names — not your results."</li>
                    <li><strong>"Writes only to its own store."</strong> " The one write Forge makes is a weekly trend snapshot in a key-value store named " <code>"forge-trends"</code> " in your account."</li>
                    <li><strong>"Never reads your e-mail or proxy password."</strong> " The relay asks Apify only for your user ID and username when you connect."</li>
                </ul>
            </section>

            <section class="card" aria-labelledby="protect-title">
                <h2 id="protect-title">"How your token is protected"</h2>
                <ol class="steps">
                    <li><strong>"Sealed the moment you save it."</strong> " The relay encrypts the token with a key only the server has (AES-256-GCM, a fresh random nonce every time). Your browser receives only the sealed value."</li>
                    <li><strong>"Kept where page scripts cannot reach it."</strong> " The sealed value lives in an HttpOnly, Secure, SameSite=Strict cookie. Not even Forge's own page code can read it."</li>
                    <li><strong>"Opened only to forward an allowed request."</strong> " For each call, the relay unseals the token in memory, checks the request against a fixed list of the read and run requests the five permissions need, and refuses everything else before anything reaches Apify."</li>
                    <li><strong>"Stored nowhere."</strong> " The relay has no database and writes no files; its logs never contain the token."</li>
                    <li><strong>"Easy to end."</strong> " Disconnect forgets the session in your browser; sessions end after 90 days; rotating the relay's key ends every session at once. Revoking the token in Apify Console is the definitive off switch."</li>
                </ol>
            </section>

            <section class="card" aria-labelledby="rotate-title">
                <h2 id="rotate-title">"Rotate every 90 days"</h2>
                <p>
                    "From day 80 Forge reminds you to replace the token: create a new scoped token, paste it into Settings, then revoke the old one in Apify Console. A token that lives only a few months is worth little to anyone who finds an old copy."
                </p>
            </section>

            <section class="card" aria-labelledby="local-title">
                <h2 id="local-title">"Keeping the token on your own machine"</h2>
                <p>
                    "Prefer that no server ever sees the token? Run the relay locally with the token in its environment; it listens on 127.0.0.1 only and applies the same allow-list:"
                </p>
                <pre class="code"><code>"APIFY_TOKEN=apify_api_… forge-relay local"</code></pre>
            </section>
        </div>
    }
}
