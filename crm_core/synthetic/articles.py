"""The synthetic company's knowledge base: the help articles agents read out and
customers find on the web (title, tags, body)."""

from __future__ import annotations

ARTICLES: tuple[tuple[str, str, str], ...] = (
    ("Reset your account password", "account,password,login",
     ("Open the sign-in page and choose 'Forgot password'. Enter the e-mail address on your "
      "account; a reset link arrives within five minutes and works for one hour. If nothing "
      "arrives, check the spam folder, then call us: an agent can send the link again after "
      "checking your date of birth and postcode.")),
    ("Change the e-mail address on your account", "account,email",
     ("Sign in, open Profile and edit the e-mail field. We send a confirmation to the new "
      "address; the change takes effect once you click the link. Orders in progress keep "
      "their notifications on the old address.")),
    ("Unlock an account after too many attempts", "account,password,security",
     ("After five wrong passwords the account locks for 30 minutes. Wait, or reset the "
      "password to unlock it at once. Agents cannot read or tell you your password.")),
    ("Understand your invoice", "billing,invoice",
     ("Each invoice lists the order number, the items, taxes and the amount due. Invoices are "
      "due 30 days after issue. A voided invoice has been replaced or refunded and needs no "
      "payment.")),
    ("Pay an invoice", "billing,payment,invoice",
     ("Pay by card from the invoice e-mail, in your account under Billing, or by phone with "
      "an agent. Payments show on the account within one business day.")),
    ("Why was I charged twice?", "billing,refund,payment",
     ("A second charge is usually a pre-authorisation that disappears within five business "
      "days. If both charges are still there after a week, open a billing case with the two "
      "transaction dates and we refund the duplicate.")),
    ("Update your payment card", "billing,payment,account",
     ("Under Billing, choose Payment methods and add the new card before removing the old "
      "one. Subscriptions move to the new default card at their next renewal.")),
    ("Track your delivery", "delivery,order,tracking",
     ("The shipping e-mail has a tracking link. Orders ship within two business days and "
      "arrive three to five days later. The order page shows the same tracking once the "
      "carrier has scanned the parcel.")),
    ("My order has not arrived", "delivery,order,late",
     ("If the tracking shows delivered but you have nothing, check with neighbours and the "
      "building's parcel room, then call us within 14 days: we open a case with the carrier "
      "and send a replacement or refund once it is confirmed lost.")),
    ("Change the delivery address of an order", "delivery,order,address",
     ("The address can be changed until the order ships. Call us or edit the order online; "
      "after shipping, ask the carrier to redirect the parcel with the tracking number.")),
    ("Return an item", "returns,refund,order",
     ("You can return any item within 30 days in its original packaging. Start the return "
      "from the order page to print a free label. The refund goes to the original payment "
      "method within five business days of our receiving the parcel.")),
    ("Refund status", "returns,refund,billing",
     ("Refunds are issued when the returned item reaches our warehouse. Banks take three to "
      "ten business days to show them. The order page shows the date the refund was sent.")),
    ("Exchange for another size or colour", "returns,exchange,order",
     ("Start a return and choose 'Exchange'. We ship the new item as soon as the carrier "
      "scans the parcel you send back, so you do not wait for the refund.")),
    ("Set up your Nimbus phone", "nimbus,phone,setup",
     ("Hold the side button for three seconds, choose a language and connect to Wi-Fi. Sign "
      "in to move contacts and photos from your old phone. The set-up takes about ten "
      "minutes.")),
    ("Pair Nimbus earbuds", "nimbus,earbuds,bluetooth",
     ("Open the case near your phone and hold the button on the case until the light flashes "
      "white. Choose the earbuds in the phone's Bluetooth settings. If pairing fails, forget "
      "the device and try again with the case charged.")),
    ("Nimbus phone does not charge", "nimbus,phone,battery,problem",
     ("Try another cable and charger, clean the port gently, and restart the phone. If it "
      "still does not charge, CarePlus customers get a replacement within two days; others "
      "can book a repair.")),
    ("Update Pixel Arena console software", "pixel arena,console,update",
     ("Updates install automatically overnight when the console is in rest mode. To update "
      "now, open Settings, System, Update. Do not unplug the console during an update.")),
    ("Controller is not recognised", "pixel arena,controller,problem",
     ("Connect the controller with its USB cable and press the home button to pair it. A "
      "controller that still flashes after a full charge may need a firmware update from the "
      "console's settings.")),
    ("Pitch the Trailhead tent", "trailhead,tent,outdoor",
     ("Lay out the footprint, clip the inner tent to the crossed poles and peg the corners at "
      "45 degrees. The fly goes on last, door over the entrance. Practise once at home.")),
    ("Travel insurance: how to claim", "voyager,insurance,travel,claim",
     ("Claims are made online within 30 days of returning home, with receipts and, for "
      "medical costs, the doctor's report. Lost luggage needs the airline's report.")),
    ("Set the pet feeder schedule", "pet feeder,setup,pets",
     ("Pair the feeder with the app, choose up to six meals a day and the portion size. The "
      "feeder keeps its schedule when Wi-Fi is down and runs on batteries during power cuts.")),
    ("What CarePlus covers", "careplus,warranty,services",
     ("CarePlus covers accidental damage, liquid spills and breakdowns for one year, with up "
      "to two replacements. It does not cover loss or theft. Claims are made by phone.")),
    ("Club membership benefits and renewal", "club,membership,renewal",
     ("Members get free delivery, early access to sales and a birthday voucher. Membership "
      "renews yearly; turn off automatic renewal under Subscriptions before the renewal date.")),
    ("Cancel a subscription", "subscription,cancel,billing,renewal",
     ("Open Subscriptions and choose Cancel. The service runs until the end of the paid "
      "period; there is no refund for the remaining days unless the law requires one.")),
    ("Opt out of marketing messages", "privacy,marketing,consent",
     ("Use the unsubscribe link in any e-mail, reply STOP to a text, or ask an agent to mark "
      "you as do-not-call. The change applies to all campaigns within 48 hours.")),
    ("How we use your data", "privacy,data,gdpr",
     ("We keep your contact details, orders and calls to serve you. You can ask for a copy of "
      "your data or its deletion; an agent opens a privacy request that is answered within 30 "
      "days.")),
)
