// The spec's "Code Examples → Node.js" block (the docs' escaped backticks unescaped).
const API_KEY = "YOUR_API_KEY";
const BASE = "https://api.enori.io";

async function enori(path, options = {}) {
  const res = await fetch(`${BASE}${path}`, {
    ...options,
    headers: {
      "X-API-Key": API_KEY,
      "Content-Type": "application/json",
      ...options.headers,
    },
  });
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  return res.json();
}

// Create a monitor
const monitor = await enori("/api/monitors", {
  method: "POST",
  body: JSON.stringify({
    name: "Checkout Service",
    type: "Website",
    url: "https://checkout.example.com/health",
    intervalSeconds: 60,
  }),
});
console.log(`Created: ${monitor.id}`);

// List all monitors
const { items } = await enori("/api/monitors");
items.forEach((m) => console.log(`${m.name}: ${m.status}`));
