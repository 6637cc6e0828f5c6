//! The browser's clock and timers. Outside a browser (native tests) the clock reads the system
//! time and nothing sleeps.

/// Unix ms now.
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_millis() as f64)
    }
}

/// Minutes to add to UTC for the reader's local time at `ms` (east positive; daylight saving
/// is that instant's). Outside a browser: UTC.
pub fn local_offset_min(ms: i64) -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        -(js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64)).get_timezone_offset()
            as i64)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = ms;
        0
    }
}

/// Resolves after `ms` milliseconds (`setTimeout`).
pub async fn sleep_ms(ms: f64) {
    let ms = ms.clamp(0.0, f64::from(i32::MAX)) as i32;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Resolves once the browser has painted what is on the page now (`requestAnimationFrame`,
/// then a task): what follows a first render cannot hold back its paint.
pub async fn after_paint() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let Some(w) = web_sys::window() else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            return;
        };
        let after = w.clone();
        let on_frame = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = after.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        });
        let _ = w.request_animation_frame(wasm_bindgen::JsCast::unchecked_ref(&on_frame));
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A random number in `[0, 1)` (`Math.random`), for back-off jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// `14:02` in the browser's time zone.
pub fn local_hh_mm(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// Bytes of the WebAssembly heap (its linear memory, which only grows): what the loaded fleet
/// costs in the browser. 0 outside a browser.
pub fn wasm_heap_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        use wasm_bindgen::JsCast;
        wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .map(|m| {
                f64::from(
                    m.buffer()
                        .unchecked_into::<js_sys::ArrayBuffer>()
                        .byte_length(),
                )
            })
            .unwrap_or(0.0)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}
